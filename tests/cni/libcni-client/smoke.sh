#!/bin/bash
# Smoke test of libcni-client against a CNI plugin: ADD/CHECK/DEL inside a node
# netns for a pod netns, check the pod got its address, clean up.
# Usage: smoke.sh <libcni-client> [plugin-dir]
#   default plugin-dir /usr/lib/cni with Debian's ptp + host-local.
#   V6K_CNI=<path to v6k-cni> tests v6k-cni instead (conflist with type v6k-cni).
set -euo pipefail
client=${1:?usage: smoke.sh <libcni-client> [plugin-dir]}
client=$(readlink -f "$client")
plugdir=${2:-/usr/lib/cni}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }

p=v6kt-go-$$
node=$p-node pod=$p-pod
work=$(mktemp -d /tmp/$p.XXXX)
cleanup() {
    ip netns del "$pod" 2>/dev/null || true
    ip netns del "$node" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$node"
ip netns add "$pod"
ip -n "$node" link set lo up
ip netns exec "$pod" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0

if [ -n "${V6K_CNI:-}" ]; then
    plugdir=$work/bin; mkdir -p "$plugdir"; ln -s "$(readlink -f "$V6K_CNI")" "$plugdir/v6k-cni"
    want=2001:db8:0:1:1:
    cat >"$work/net.conflist" <<EOF
{"cniVersion":"1.0.0","name":"v6k","plugins":[{"type":"v6k-cni","ipv6Prefixes":["2001:db8:0:1:1::/80"],
 "ipv4Egress":{"enabled":true,"range":"169.254.172.0/22","nodeIPv4":"10.0.0.108"},"mtu":9001,"dataDir":"$work/data"}]}
EOF
else
    want=2001:db8:0:1:1:
    cat >"$work/net.conflist" <<EOF
{"cniVersion":"1.0.0","name":"ptp6","plugins":[{"type":"ptp","mtu":1500,"ipam":{"type":"host-local",
 "ranges":[[{"subnet":"2001:db8:0:1:1::/80"}]],"routes":[{"dst":"::/0"}],"dataDir":"$work/ipam"}}]}
EOF
fi

run() { ip netns exec "$node" "$client" -cni-path "$plugdir" -cache-dir "$work/cache" "$@"; }
id=smoke-$$
echo "== version";  run version "$work/net.conflist"
echo "== add";      run add   "$work/net.conflist" "$id" "/var/run/netns/$pod" eth0 | tee "$work/add.json"
grep -q "\"$want" "$work/add.json" || { echo "FAIL: result lacks an address in $want"; exit 1; }
addr=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ips"][0]["address"].split("/")[0])' "$work/add.json")
ip -n "$pod" -6 addr show dev eth0 | grep -q "inet6 $addr/" || { echo "FAIL: $addr not on pod eth0"; ip -n "$pod" addr; exit 1; }
echo "pod eth0 has $addr"
echo "== check";    run check "$work/net.conflist" "$id" "/var/run/netns/$pod" eth0
echo "== del";      run del   "$work/net.conflist" "$id" "/var/run/netns/$pod" eth0
if ip -n "$pod" link show eth0 >/dev/null 2>&1; then echo "FAIL: eth0 still in pod after DEL"; exit 1; fi
echo "== del again (must be idempotent)"
run del "$work/net.conflist" "$id" "/var/run/netns/$pod" eth0
echo "== check after del (must fail)"
if run check "$work/net.conflist" "$id" "/var/run/netns/$pod" eth0 2>"$work/err"; then
    echo "FAIL: CHECK succeeded after DEL"; exit 1
fi
cat "$work/err"
echo "== gc (expect exit 3: not in libcni 1.1.2)"
rc=0; run gc "$work/net.conflist" || rc=$?
[ "$rc" = 3 ] || { echo "FAIL: gc exit $rc"; exit 1; }
echo PASS
