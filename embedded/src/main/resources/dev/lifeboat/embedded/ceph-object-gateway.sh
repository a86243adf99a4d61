# Runs a one-node Ceph cluster (a monitor, one OSD on memstore, a RADOS gateway) on 127.0.0.1 for
# tests: the S3 server whose Object Lock is enforced. Arguments: JVM pid, directory (emptied), monitor
# port, gateway port, access key, secret key. Prints "ready" once the gateway's user exists; stops every
# daemon when the JVM is gone or on TERM. Daemons' logs: <dir>/log/.
set -eu
jvm=$1; dir=$2; monport=$3; port=$4; access=$5; secret=$6
rm -rf "$dir"; mkdir -p "$dir/mon" "$dir/osd" "$dir/run" "$dir/log" "$dir/rgw"
fsid=$(cat /proc/sys/kernel/random/uuid)
cat > "$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$monport
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 2147483648
mon data avail crit = 0
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
keyring = $dir/keyring
[mon.a]
mon data = $dir/mon
[osd.0]
osd data = $dir/osd
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$port
rgw data = $dir/rgw
CONF
conf="$dir/ceph.conf"
pids=""
# The cluster lives in memory and in $dir, which the next start empties: nothing to shut down cleanly.
stop() { for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done; }
alive() { for p in $pids; do kill -0 "$p" 2>/dev/null || { echo "a daemon ($p) stopped; see $dir/log" >&2; exit 1; }; done; }
trap 'stop; exit 143' TERM INT HUP
trap 'stop' EXIT
ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$dir/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' >/dev/null
monmaptool --create --fsid "$fsid" --addv a "[v1:127.0.0.1:$monport]" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" -i a --mkfs --monmap "$dir/monmap" --keyring "$dir/keyring" >>"$dir/log/setup.log" 2>&1
ceph-mon -c "$conf" -i a -f >>"$dir/log/mon.out" 2>&1 </dev/null & pids="$pids $!"
osduuid=$(cat /proc/sys/kernel/random/uuid)
timeout 60 ceph -c "$conf" osd new "$osduuid" >>"$dir/log/setup.log" 2>&1
ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osduuid" >>"$dir/log/setup.log" 2>&1
ceph-osd -c "$conf" -i 0 -f >>"$dir/log/osd.out" 2>&1 </dev/null & pids="$pids $!"
radosgw -c "$conf" -n client.rgw -f >>"$dir/log/rgw.out" 2>&1 </dev/null & pids="$pids $!"
i=0
# radosgw-admin blocks while the cluster is not up, and may be stopped after it created the user
admin() { timeout 20 radosgw-admin -c "$conf" -n client.admin "$@" >>"$dir/log/setup.log" 2>&1; }
until admin user info --uid=lifeboat || admin user create --uid=lifeboat --display-name=Lifeboat \
    --access-key="$access" --secret-key="$secret"; do
  alive; i=$((i+1)); [ $i -lt 60 ] || { echo "the gateway's user could not be created; see $dir/log" >&2; exit 1; }
  sleep 1
done
echo ready
while kill -0 "$jvm" 2>/dev/null; do
  alive
  sleep 0.5
done
