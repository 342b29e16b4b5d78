/**
 * Which addresses a connected system's URL may lead to. In a deployment only public unicast ones: never
 * link-local (the instance metadata service), loopback (the Lambda runtime API), private, unique-local,
 * shared (CGNAT), unspecified, multicast or reserved space, in any spelling of it (IPv4-mapped IPv6
 * `[::ffff:a9fe:a9fe]`, NAT64 and 6to4 forms: whatever is not plain unicast is refused). The local
 * runtime may call loopback ports of systems it started itself, or any loopback port when a local
 * setting says so. ipaddr.js classifies (its range table covers the special-purpose registries);
 * a refusal names the range, never the address.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Loopback ports this runtime may call: none (a deployment), the listed ones, or any. */
export type LoopbackAllowance = 'none' | 'any' | ReadonlySet<number>;

/** `CONNECTOR_LOOPBACK`: absent or empty: none; `any`; or comma-separated ports. */
export function loopbackAllowance(setting: string | undefined): LoopbackAllowance {
  const value = setting?.trim();
  if (!value) return 'none';
  if (value === 'any') return 'any';
  return new Set(
    value
      .split(',')
      .map((p) => Number(p.trim()))
      .filter((p) => Number.isInteger(p) && p > 0 && p < 65_536),
  );
}

/** Why an address may not be called (its range's name), or undefined when it may. */
export function refusedAddress(address: string, port: number, loopback: LoopbackAllowance): string | undefined {
  if (!ipaddr.isValid(address)) return 'not an address';
  // An IPv4-mapped IPv6 address is the IPv4 address it maps.
  const range = ipaddr.process(address).range();
  if (range === 'unicast') return undefined;
  if (range === 'loopback' && (loopback === 'any' || (loopback !== 'none' && loopback.has(port)))) return undefined;
  return range;
}

/** The port a URL is called on. */
export const portOf = (url: URL) => Number(url.port) || (url.protocol === 'https:' ? 443 : 80);

/** The URL's host when it is an address (IPv6 without its brackets), else undefined: a name to resolve. */
export function literalAddress(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) ? host : undefined;
}
