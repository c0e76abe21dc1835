#!/usr/bin/env bash
# Lays out Debian 12's own QEMU 7.2 in a directory, beside whatever QEMU is installed, for the
# lost-dirty-pages demonstration (docs/measured-runs.md): QEMU before 9.0 loses dirty pages under
# TCG ("physmem: Fix migration dirty bitmap coherency with TCG memory access", 9.0), and
# `migration-lab measure --verify` finds them. Needs Debian 12's package lists (apt-get update).
# Usage: scripts/fetch-qemu-7.2.sh [DIR]   (default: ./qemu-7.2); prints the command to run.
set -euo pipefail
dir=$(realpath -m "${1:-qemu-7.2}")
mkdir -p "$dir/debs"
cd "$dir/debs"
version() { apt-cache policy "$1" | grep -o '1:7\.2+dfsg-[^ ]*' | head -1; }
for pkg in qemu-system-x86 qemu-system-common qemu-system-data; do
  v=$(version "$pkg")
  [ -n "$v" ] || { echo "fetch-qemu-7.2: apt has no 7.2 version of $pkg (is this Debian 12 with its package lists?)" >&2; exit 2; }
  ls "${pkg}_"*.deb >/dev/null 2>&1 || apt-get download "$pkg=$v" >&2 2>/dev/null
  dpkg -x "${pkg}_"*.deb "$dir/root"
done
# The relocatable build looks for firmware beside its own prefix; the BIOS and option ROMs come
# from the installed seabios and ipxe-qemu packages.
ln -sfn /usr/share/seabios "$dir/root/usr/share/seabios"
mkdir -p "$dir/root/usr/lib"
ln -sfn /usr/lib/ipxe "$dir/root/usr/lib/ipxe"
bin="$dir/root/usr/bin/qemu-system-x86_64"
"$bin" --version | head -1 >&2
echo "QEMU_MODULE_DIR=$dir/root/usr/lib/x86_64-linux-gnu/qemu npx migration-lab measure CONFIG --accel tcg --verify --qemu $bin"
