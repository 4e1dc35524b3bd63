#!/bin/sh
# Starts Alertmanager with the webhook URLs taken from the environment (see alertmanager.yml):
#   ALERT_WEBHOOK_URL     every receiver but the Watchdog's
#   WATCHDOG_WEBHOOK_URL  the dead man's switch (defaults to ALERT_WEBHOOK_URL)
# Without ALERT_WEBHOOK_URL the placeholders stay: alerts show in the Alertmanager UI and
# every delivery fails in its log. Paths default to the official image's layout.
set -eu
source_config="${ALERTMANAGER_CONFIG_SOURCE:-/etc/alertmanager/alertmanager.yml}"
config="$(mktemp -d)/alertmanager.yml"
if [ -n "${ALERT_WEBHOOK_URL:-}" ]; then
  sed -e "s|http://alert-receiver.invalid/aiwm/alerts|${ALERT_WEBHOOK_URL}|g" \
      -e "s|http://watchdog-receiver.invalid/aiwm/watchdog|${WATCHDOG_WEBHOOK_URL:-$ALERT_WEBHOOK_URL}|g" \
      "$source_config" > "$config"
else
  echo "alertmanager-entrypoint: ALERT_WEBHOOK_URL is not set: notifications will not be delivered" >&2
  cp "$source_config" "$config"
fi
exec "${ALERTMANAGER_BIN:-/bin/alertmanager}" --config.file="$config" --storage.path="${ALERTMANAGER_STORAGE:-/alertmanager}" "$@"
