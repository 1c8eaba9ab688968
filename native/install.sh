#!/usr/bin/env bash
# Installs libaotsandbox like a C library:
#   PREFIX/lib/libaotsandbox.so.<ABI>            the library (ELF soname libaotsandbox.so.<ABI>)
#   PREFIX/lib/libaotsandbox.so -> .so.<ABI>     the link `cc -laotsandbox` finds
#   PREFIX/include/aotsandbox.h
#   PREFIX/lib/pkgconfig/aotsandbox.pc           `pkg-config --cflags --libs aotsandbox`
# Usage: native/install.sh PREFIX [PUBLISHED_DIR]
#   Without PUBLISHED_DIR it first runs `dotnet publish native/AotSandbox.Native -c Release -r linux-x64`;
#   with it, it installs the libaotsandbox.so already published there.
set -euo pipefail
(($# >= 1 && $# <= 2)) || { echo "usage: $0 PREFIX [PUBLISHED_DIR]" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
prefix=$(realpath -m "$1")
published=${2:-}

if [[ -z $published ]]; then
  published=$repo/artifacts/native/lib
  dotnet publish "$repo/native/AotSandbox.Native" -c Release -r linux-x64 -o "$published" --nologo -v quiet
fi
so=$published/libaotsandbox.so
[[ -f $so ]] || { echo "install.sh: no $so (publish first, or omit PUBLISHED_DIR)" >&2; exit 1; }

# The ABI comes from the header, the version from the build; the library's soname must name the same ABI.
abi=$(sed -n 's/^#define AOTSB_ABI_VERSION \([0-9]*\)u$/\1/p' "$repo/native/include/aotsandbox.h")
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/src/Directory.Build.props" | head -n 1)
[[ -n $abi && -n $version ]] || { echo "install.sh: cannot read AOTSB_ABI_VERSION or <Version>" >&2; exit 1; }
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[[ $soname == "libaotsandbox.so.$abi" ]] || {
  echo "install.sh: $so has soname '$soname', expected libaotsandbox.so.$abi (header ABI): republish" >&2; exit 1; }

install -d "$prefix/lib/pkgconfig" "$prefix/include"
install -m 0755 "$so" "$prefix/lib/$soname"
ln -sfn "$soname" "$prefix/lib/libaotsandbox.so"
install -m 0644 "$repo/native/include/aotsandbox.h" "$prefix/include/aotsandbox.h"
cat > "$prefix/lib/pkgconfig/aotsandbox.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: aotsandbox
Description: AotSandbox SDK for Adobe I/O Runtime Sandboxes as a C library (.NET Native AOT)
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -laotsandbox
PC
echo "installed libaotsandbox $version (ABI $abi) into $prefix"
