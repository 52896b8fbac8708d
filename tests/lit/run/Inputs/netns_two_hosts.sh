#!/usr/bin/env bash
# Two ranks as two hosts (issue 11): each in its own network namespace, joined only by a veth
# pair, so the TCPStore rendezvous and Gloo's connections cross a real (virtual) link between two
# network stacks instead of one loopback. Rank 0 serves the store at 10.231.0.1; rank 1 sees only
# its end of the link. The run must equal `--nproc 2` on loopback, bit for bit.
#
# usage: netns_two_hosts.sh FTPC PROJECT_DIR      (needs root and iproute2)
set -euo pipefail
ftpc=$1
cd "$2"
suffix=$$
host_a=ftpc-a-$suffix host_b=ftpc-b-$suffix
link_a=fta$((suffix % 100000)) link_b=ftb$((suffix % 100000))   # interface names: 15 bytes at most
cleanup() {
  ip netns del "$host_a" 2>/dev/null || true
  ip netns del "$host_b" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$host_a"
ip netns add "$host_b"
ip link add "$link_a" netns "$host_a" type veth peer name "$link_b" netns "$host_b"
ip -n "$host_a" addr add 10.231.0.1/24 dev "$link_a"
ip -n "$host_b" addr add 10.231.0.2/24 dev "$link_b"
for host in "$host_a" "$host_b"; do ip -n "$host" link set lo up; done
ip -n "$host_a" link set "$link_a" up
ip -n "$host_b" link set "$link_b" up
# The namespaces really are separate: host b has its loopback and its end of the link, nothing else.
echo "host b's interfaces: $(ip -n "$host_b" -o link | awk -F': ' '{print $2}' | cut -d@ -f1 | sort | tr '\n' ' ')"

start_rank() { # rank host link
  ip netns exec "$2" env RANK="$1" LOCAL_RANK=0 WORLD_SIZE=2 MASTER_ADDR=10.231.0.1 \
    MASTER_PORT=29631 GLOO_SOCKET_IFNAME="$3" FTPC_DIST_TIMEOUT=120 \
    "$ftpc" run tiny.ftp --quiet --threads 1 --out runs/netns
}
start_rank 0 "$host_a" "$link_a" & rank0=$!
start_rank 1 "$host_b" "$link_b" & rank1=$!
status0=0 status1=0
wait "$rank0" || status0=$?
wait "$rank1" || status1=$?
echo "rank 0 (host a) exit $status0, rank 1 (host b) exit $status1"

"$ftpc" run tiny.ftp --quiet --threads 1 --nproc 2 --out runs/loopback
for f in metrics.json model/model.safetensors; do
  if cmp -s "runs/netns/$f" "runs/loopback/$f"; then echo "identical to loopback: $f"; else echo "differs: $f"; fi
done
