import { BlockList, isIP } from "node:net";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import { PROXY_RANGES, type ProxyTrust } from "../core/config.ts";

/**
 * The address of the client a request comes from, as the rate limit counts it (TRUST_PROXY).
 *
 * A proxy appends the address it received the request from to `X-Forwarded-For`, so only the
 * entries on the right, written by the operator's own proxies, can be believed: the client
 * writes whatever it likes on the left. The addresses are read from the socket leftwards, as
 * Express's `trust proxy` does: each trusted hop (the first `hops`, or any address in the
 * trusted list) passes on to the one before it, and the first untrusted address is the client.
 */
export function clientAddress(trust: ProxyTrust): (c: Context) => string {
  const trusted = isTrusted(trust);
  return (c) => {
    const socket = socketAddress(c);
    if (!trusted) return socket;
    const forwarded = (c.req.header("x-forwarded-for") ?? "").split(",").map(bareAddress).filter(Boolean);
    const chain = [socket, ...forwarded.reverse()];
    for (let i = 0; i < chain.length - 1; i++) if (!trusted(chain[i]!, i)) return chain[i]!;
    return chain[chain.length - 1]!;
  };
}

function isTrusted(trust: ProxyTrust): ((address: string, hop: number) => boolean) | undefined {
  if ("hops" in trust) return trust.hops > 0 ? (_address, hop) => hop < trust.hops : undefined;
  const list = new BlockList();
  for (const entry of trust.addresses.flatMap((a) => PROXY_RANGES.get(a) ?? [a])) {
    const [address, bits] = entry.split("/") as [string, string | undefined];
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? "ipv6" : "ipv4");
  };
}

/** The socket's peer, or "local" for a request made in the process (no socket). */
function socketAddress(c: Context): string {
  try {
    return bareAddress(getConnInfo(c).remote.address ?? "") || "unknown";
  } catch {
    return "local";
  }
}

/** «::ffff:10.0.0.1» → «10.0.0.1», «[2001:db8::1]:443» → «2001:db8::1», «1.2.3.4:5678» → «1.2.3.4». */
function bareAddress(entry: string): string {
  const s = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracketed) return bracketed[1]!;
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(s);
  if (withPort) return withPort[1]!;
  return s.replace(/^::ffff:(?=\d{1,3}(?:\.\d{1,3}){3}$)/i, "");
}
