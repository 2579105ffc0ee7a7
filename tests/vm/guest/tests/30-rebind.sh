# 30-rebind.sh — sourced by /init: task INTERLEAVE policies through cgroup v2 cpuset.mems
# changes, the kernel's behaviour (probe rebind) and nodal's (`nodal policy rebind`) on
# the same cases; the host compares both with the recorded vectors. Only in groups whose
# topology asks for it (the harness then packs /vm/rebind-cases.tsv).
if [ -f /vm/rebind-cases.tsv ]; then
	# (cgroup2 is mounted with +cpuset by /init)
	/vm/probe rebind /vm/rebind-cases.tsv
	# nodal's side does not depend on the kernel: it runs in the 6.12 group only (each
	# nodal start discovers the topology, slow under TCG).
	case "$(uname -r)" in 6.1.*) nodal_rebind=no ;; *) nodal_rebind=yes ;; esac
	if [ -x /usr/local/bin/nodal ] && [ $nodal_rebind = yes ]; then
		echo "@@FILE rebind-nodal"
		while IFS="	" read -r id flags mask seq; do
			case "$flags" in
			none) pol="interleave:$mask" ;;
			static+relative) pol="interleave=static+relative:$mask" ;;
			*) pol="interleave=$flags:$mask" ;;
			esac
			first=${seq%%>*}
			args=""
			rest=${seq#"$first"}
			while [ -n "$rest" ]; do
				rest=${rest#>}
				step=${rest%%>*}
				args="$args --to $step"
				rest=${rest#"$step"}
			done
			# shellcheck disable=SC2086
			out=$(nodal policy rebind "$pol" --allowed "$first" $args 2>&1)
			rc=$?
			if [ $rc -eq 0 ]; then
				echo "$out" | awk -v id="$id" '{ printf "%s\t%d\t%s\t%s\n", id, NR - 1, $1, $2 }'
			else
				echo "$id	ERR	$rc	$(echo "$out" | head -n 1)"
			fi
		done </vm/rebind-cases.tsv
		echo "@@EOF"
	fi
fi
