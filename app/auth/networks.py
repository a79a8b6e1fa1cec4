"""The network a request comes from, as every per-IP limit counts it."""

import ipaddress

IPV6_PREFIX = 64


def requester_network(ip: str | None) -> str:
    """An IPv4 address as it is; an IPv6 address as its /64.

    One IPv6 subscriber is usually given a whole /64 (often more) and picks any address in it at
    will, so counting single IPv6 addresses would give one person billions of quotas.
    """
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        # Not an IP (a unix socket with no proxy in front): one bucket per such value.
        return ip or ""
    if address.version == 6 and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)
