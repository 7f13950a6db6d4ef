// Where a completion webhook may go: http or https, and (unless private addresses are allowed)
// only to public addresses, checked for every address the host name resolves to. The API checks a
// URL when a request names it; the delivery checks it again, inside the connection's own lookup,
// so a name that resolves elsewhere later cannot reach a private address.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { CallbackUrlRefused } from './errors';

const nonPublic = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) nonPublic.addSubnet(net, prefix, 'ipv4');
// ::/96 holds ::, ::1 and the IPv4-compatible addresses; 64:ff9b::/96 (NAT64), 2001::/32 (Teredo)
// and 2002::/16 (6to4) embed an IPv4 address, any of which may be private.
for (const [net, prefix] of [
  ['::', 96], ['64:ff9b::', 96], ['2001::', 32], ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) nonPublic.addSubnet(net, prefix, 'ipv6');

/** Loopback, private, link-local, shared, multicast or reserved: an address a webhook must not reach. */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return nonPublic.check(mapped[1], 'ipv4');
  const family = isIP(address);
  return family === 0 || nonPublic.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export { CallbackUrlRefused };

/** The host name or address, without an IPv6 address's brackets. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

const refusedAddress = (host: string, address: string) =>
  new CallbackUrlRefused(`callbackUrl's host ${host} is a loopback, private or link-local address (${address})`);

/** The URL, parsed, when it is http or https without credentials, and its host, when it is an address, an allowed one. */
export function parseCallbackUrl(text: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CallbackUrlRefused('callbackUrl is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CallbackUrlRefused('callbackUrl must be http or https');
  if (url.username || url.password) throw new CallbackUrlRefused('callbackUrl must not hold credentials');
  const host = hostOf(url);
  if (!allowPrivate && isIP(host) && isNonPublicAddress(host)) throw refusedAddress(host, host);
  return url;
}

/** The URL, parsed, when parseCallbackUrl takes it and every address its host name resolves to is allowed; throws CallbackUrlRefused saying why otherwise. */
export async function checkCallbackUrl(text: string, allowPrivate: boolean): Promise<URL> {
  const url = parseCallbackUrl(text, allowPrivate);
  const host = hostOf(url);
  if (allowPrivate || isIP(host)) return url;
  const refused = (await resolveAll(host)).find(isNonPublicAddress);
  if (refused) throw refusedAddress(host, refused);
  return url;
}

async function resolveAll(host: string): Promise<string[]> {
  return new Promise((done, fail) => {
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => {
      if (err) fail(new CallbackUrlRefused(`callbackUrl's host ${host} does not resolve (${err.code ?? err.message})`));
      else done(addresses.map((a) => a.address));
    });
  });
}

/** A connection's lookup that refuses a host name when any address it resolves to is not public. */
export const publicOnlyLookup: LookupFunction = (host, options, callback) => {
  dnsLookup(host, { ...options, all: true, verbatim: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    const refused = addresses.find((a) => isNonPublicAddress(a.address));
    if (refused) return callback(new CallbackUrlRefused(`${host} resolves to a loopback, private or link-local address (${refused.address})`), '', 0);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const [first] = addresses;
    if (!first) return callback(Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' }), '', 0);
    callback(null, first.address, first.family);
  });
};
