# 20-place.sh — sourced by /init: nodal's placement through the library API (dlopen)
# and through `nodal run` (the preload library), checked page by page; each part SKIPs
# with the reason while its piece is not in the build.
/vm/place all
echo "@@DIAG place all exited $?"
