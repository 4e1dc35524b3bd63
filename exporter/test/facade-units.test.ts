/** The facade's pure helpers: interval widening, latency availability, AIWM's step error shapes. */
import { describe, expect, it } from 'vitest';
import {
  durationOf,
  fullListQuery,
  listQuery,
  nodesQuery,
  parse,
  rangeOf,
  seriesQueryOf,
} from '../src/facade/params.js';
import { latencyOf, listLatencyGap } from '../src/facade/route.js';
import { executionError, stepError } from '../src/facade/records/executions.js';

const NOW = new Date('2026-11-26T12:00:00Z');

describe('rangeOf', () => {
  it('keeps the interval asked for while the period fits in 1100 points', () => {
    const r = rangeOf('24h', '5m', NOW);
    expect(r).toMatchObject({ step: 300, interval: '5m', requestedInterval: '5m' });
    expect(r.widenedNote).toBeUndefined();
    expect(r.timestamps).toHaveLength(289);
  });

  it('widens to the next readable step and says so', () => {
    expect(rangeOf('24h', '1m', NOW)).toMatchObject({ step: 120, interval: '2m', requestedInterval: '1m' });
    expect(rangeOf('7d', '1m', NOW)).toMatchObject({ step: 600, interval: '10m' });
    const month = rangeOf('30d', '1m', NOW);
    expect(month).toMatchObject({ step: 3600, interval: '1h', requestedInterval: '1m' });
    expect(month.widenedNote).toBe('interval 1m widened to 1h: period 30d at 1m exceeds 1100 points.');
    expect(month.timestamps.length).toBeLessThanOrEqual(1100);
  });

  it('defaults the interval by period: 5m for 1h, 1h otherwise', () => {
    expect(rangeOf('1h', undefined, NOW)).toMatchObject({ interval: '5m', requestedInterval: '5m' });
    expect(rangeOf('24h', undefined, NOW)).toMatchObject({ interval: '1h', requestedInterval: '1h' });
    expect(rangeOf('30d', undefined, NOW).timestamps).toHaveLength(721);
  });

  it('names durations', () => {
    expect([60, 600, 3600, 7200, 86_400, 90].map(durationOf)).toEqual(['1m', '10m', '1h', '2h', '1d', '90s']);
  });
});

describe('query parameters', () => {
  it('defaults node detail to 1h, lists the seed shows unpaginated to the cap, the others to 10', () => {
    expect(parse(seriesQueryOf('1h'), {}, 'query')).toEqual({ period: '1h' });
    expect(parse(fullListQuery, {}, 'query')).toMatchObject({ page: 1, limit: 500 });
    expect(parse(listQuery, {}, 'query')).toMatchObject({ page: 1, limit: 10 });
  });

  it('filters nodes by availability, and names the field of a bad value', () => {
    for (const status of ['online', 'offline', 'maintenance', 'provisioning', 'unknown', 'pending', 'installing']) {
      expect(parse(nodesQuery, { status }, 'query').status).toBe(status);
    }
    expect(() => parse(nodesQuery, { status: 'healthy' }, 'query')).toThrow(/^invalid status: /);
  });
});

describe('latency availability', () => {
  it('averages the samples there are', () => {
    expect(latencyOf('f', 10, 4, 2)).toEqual({ avg: 500, gap: undefined });
  });

  it('is null, with the reason, when there were responses but no latency sample', () => {
    const { avg, gap } = latencyOf('activity.avgResponseTime', 12, 0, 0);
    expect(avg).toBeNull();
    const reason = expect.stringMatching(/^12 responses without a latency sample: messages\.latency/);
    expect(gap).toEqual({ field: 'activity.avgResponseTime', reason });
  });

  it('is null without a reason when there was nothing to measure', () => {
    expect(latencyOf('f', 0, 0, 0)).toEqual({ avg: null, gap: undefined });
    expect(latencyOf('f', null, null, null)).toEqual({ avg: null, gap: undefined });
  });

  it('names the list items without latency', () => {
    expect(listLatencyGap('agents[].avgResponseTime', [])).toBeUndefined();
    const many = Array.from({ length: 12 }, (_, i) => `a${i}`);
    expect(listLatencyGap('agents[].avgResponseTime', many)?.reason).toMatch(
      /^null for 12 with responses but no latency sample \(a0, .*a9, and 2 more\)/,
    );
  });
});

describe('execution errors', () => {
  it('reads a step error object as AIWM stores it, and a plain string from older data', () => {
    expect(stepError({ code: 'STEP_FAILED', message: 'Pull image failed', details: { exitCode: 1 } })).toEqual({
      error: 'Pull image failed',
      errorCode: 'STEP_FAILED',
    });
    expect(stepError({ code: 137, message: 'killed' })).toEqual({ error: 'killed', errorCode: '137' });
    expect(stepError('timed out')).toEqual({ error: 'timed out', errorCode: null });
    expect(stepError(null)).toEqual({ error: null, errorCode: null });
    expect(stepError('')).toEqual({ error: null, errorCode: null });
  });

  it('reads the execution error object, and a plain string as its message', () => {
    const error = { code: 'TIMEOUT', message: 'no answer', stepIndex: 2, nodeId: 'n1' };
    expect(executionError({ ...error, details: { step: 'pull' } })).toEqual(error);
    expect(executionError('boom')).toEqual({ code: null, message: 'boom', stepIndex: null, nodeId: null });
    expect(executionError(undefined)).toBeNull();
  });
});
