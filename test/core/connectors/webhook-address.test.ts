/**
 * Where a webhook may lead: public unicast only, whatever the spelling; loopback only on the ports the
 * local runtime allows (or any, on an explicit local setting). A refusal names the range, not the address.
 */
import { describe, expect, it } from 'vitest';
import { literalAddress, loopbackAllowance, refusedAddress } from '#core/connectors/webhook-address.ts';

describe('refusedAddress', () => {
  it.each([
    ['169.254.169.254', 'linkLocal'],
    ['::ffff:a9fe:a9fe', 'linkLocal'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['127.0.0.1', 'loopback'],
    ['127.1.2.3', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['fd00::1', 'uniqueLocal'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['64:ff9b::a9fe:a9fe', 'rfc6052'],
    ['2002:a9fe:a9fe::1', '6to4'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
  ])('%s is refused as %s', (address, range) => {
    expect(refusedAddress(address, 80, 'none')).toBe(range);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2001:4860:4860::8888'])('%s (public unicast) may be called', (address) => {
    expect(refusedAddress(address, 443, 'none')).toBeUndefined();
  });

  it('loopback only on an allowed port, or any on the explicit setting; never another internal range', () => {
    const allowed = loopbackAllowance('4010, 4011');
    expect(refusedAddress('127.0.0.1', 4010, allowed)).toBeUndefined();
    expect(refusedAddress('::1', 4011, allowed)).toBeUndefined();
    expect(refusedAddress('127.0.0.1', 9001, allowed)).toBe('loopback');
    expect(refusedAddress('127.0.0.1', 9001, loopbackAllowance('any'))).toBeUndefined();
    expect(refusedAddress('169.254.169.254', 80, loopbackAllowance('any'))).toBe('linkLocal');
    expect(refusedAddress('127.0.0.1', 4010, loopbackAllowance(undefined))).toBe('loopback');
    expect(refusedAddress('127.0.0.1', 4010, loopbackAllowance(''))).toBe('loopback');
  });
});

describe('literalAddress', () => {
  it.each([
    ['http://169.254.169.254/latest', '169.254.169.254'],
    ['http://[::ffff:a9fe:a9fe]/', '::ffff:a9fe:a9fe'],
    // The URL parser's own spellings of an IPv4 address end as the address.
    ['http://2852039166/', '169.254.169.254'],
    ['http://0xa9fea9fe/', '169.254.169.254'],
    ['http://0251.0376.0251.0376/', '169.254.169.254'],
    ['https://crm.bank.example/hook', undefined],
  ])('%s -> %s', (url, address) => {
    expect(literalAddress(new URL(url))).toBe(address);
  });
});
