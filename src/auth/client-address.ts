import proxyAddr from '@fastify/proxy-addr';
import type { IncomingMessage } from 'node:http';

type Trust = (address: string, hop: number) => boolean;

/** TRUST_PROXY as a function of a hop's address and distance: Fastify's `trustProxy` and ours alike. */
export function trustOf(trust: boolean | number | string[]): Trust {
  if (trust === true) return () => true;
  if (trust === false) return () => false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyAddr.compile(trust);
}

/**
 * The client's address of a raw request (a Socket.IO handshake) by the same TRUST_PROXY rule
 * Fastify applies to HTTP requests: the socket's peer, or the nearest `X-Forwarded-For` hop that
 * is not a trusted proxy.
 */
export function clientAddressOf(trust: boolean | number | string[]): (request: IncomingMessage) => string {
  const trusted = trustOf(trust);
  return (request) => proxyAddr(request, trusted);
}
