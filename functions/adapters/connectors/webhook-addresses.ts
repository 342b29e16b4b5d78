/**
 * The addresses a webhook URL leads to, checked twice: at registration (the name resolved now) and at
 * each call, in the socket's own lookup, so the address checked is the address connected to and a name
 * that resolves elsewhere later (DNS rebinding) cannot reach what it was refused. A name with any
 * refused address is refused whole. Rules in core/connectors/webhook-address.ts.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { WebhookAddresses } from '#core/connectors/ports.ts';
import { literalAddress, type LoopbackAllowance, portOf, refusedAddress } from '#core/connectors/webhook-address.ts';

/** Every address of a name (tests inject one that answers differently from call to call). */
export type ResolveAll = (hostname: string, options: LookupOptions) => Promise<LookupAddress[]>;

const systemResolver: ResolveAll = (hostname, options) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

/** A call refused for where it leads: a configuration fault, not worth a retry. */
export class RefusedAddressError extends Error {
  constructor(range: string) {
    super(`the webhook address is in a range this deployment does not call (${range})`);
    this.name = 'RefusedAddressError';
  }
}

export class WebhookAddressGuard implements WebhookAddresses {
  constructor(
    /** Read at each check: the local runtime allows the ports of systems it starts as it starts them. */
    private readonly loopback: () => LoopbackAllowance,
    private readonly resolve: ResolveAll = systemResolver,
  ) {}

  /** Registration: why the URL may not be called, or undefined. A name that does not resolve now is checked at call time. */
  async refusal(url: string): Promise<string | undefined> {
    const target = new URL(url);
    const port = portOf(target);
    const literal = literalAddress(target);
    if (literal) return refusedAddress(literal, port, this.loopback());
    const addresses = await this.resolve(target.hostname, {}).catch(() => []);
    for (const { address } of addresses) {
      const refused = refusedAddress(address, port, this.loopback());
      if (refused) return refused;
    }
    return undefined;
  }

  /** Call time, for an address in the URL itself (no lookup happens for one). */
  checkLiteral(target: URL): void {
    const literal = literalAddress(target);
    const refused = literal && refusedAddress(literal, portOf(target), this.loopback());
    if (refused) throw new RefusedAddressError(refused);
  }

  /** Call time, for a name: the socket's lookup, which connects only to addresses checked here. */
  lookupFor(target: URL): LookupFunction {
    const port = portOf(target);
    return (hostname, options, callback) => {
      this.resolve(hostname, options).then(
        (addresses) => {
          const refused = addresses.map((a) => refusedAddress(a.address, port, this.loopback())).find(Boolean);
          if (refused) return callback(new RefusedAddressError(refused), '', 0);
          if (addresses.length === 0)
            return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '', 0);
          if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
          callback(null, addresses[0]!.address, addresses[0]!.family);
        },
        (err: NodeJS.ErrnoException) => callback(err, '', 0),
      );
    };
  }
}
