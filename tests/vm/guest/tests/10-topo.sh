# 10-topo.sh — sourced by /init: `nodal topo` in the guest (the host compares it with
# the kernel's view and the kernel's own fallback lists).
if [ -x /usr/local/bin/nodal ]; then
	nodal topo --json >/tmp/topo.json 2>/tmp/topo.err
	echo "$?" >/tmp/topo.rc
	dump nodal-topo-json /tmp/topo.json
	dump nodal-topo-json.status /tmp/topo.rc /tmp/topo.err
	nodal topo >/tmp/topo.txt 2>&1
	dump nodal-topo-text /tmp/topo.txt
fi
