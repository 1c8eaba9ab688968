#!/usr/bin/env bash
# The README's test command: installs what the whole suite needs (only what is missing, so a second run installs
# nothing) and runs it with `dotnet test AotSandbox.sln -c Release`. Extra arguments go to `dotnet test`
# (e.g. ./test.sh --filter "FullyQualifiedName~Native"). Debian 12, as root, .NET 10 SDK installed.
set -euo pipefail
cd "$(dirname "$0")"

say() { echo "test.sh: $*" >&2; }

# tool:package. Sandboxes: bubblewrap, nftables, iproute2, util-linux, python (in /usr, bound read-only into every
# sandbox) and node; curl runs inside sandboxes; the native tests build C/C++ (gcc, g++, binutils), Go and run
# valgrind; the installed C library is found through pkg-config; Node's `ws` serves the WebSocket interop tests;
# tmux drives `aotsandbox shell` the way a person does (CLI terminal tests); mmdebstrap builds the pinned sandbox image
# (once per machine, into /var/cache/aotsandbox/images) for the image tests;
# strace proves the create path spawns no helper processes.
prerequisites=(
  bwrap:bubblewrap nft:nftables ip:iproute2 nsenter:util-linux setpriv:util-linux
  /usr/bin/python3:python3 /usr/bin/python:python-is-python3 node:nodejs npm:npm curl:curl
  cc:gcc c++:g++ nm:binutils objcopy:binutils readelf:binutils pkg-config:pkg-config
  go:golang-go valgrind:valgrind tmux:tmux mmdebstrap:mmdebstrap strace:strace
)
missing=()
for pair in "${prerequisites[@]}"; do
  tool=${pair%%:*} package=${pair#*:}
  if [[ $tool == /* ]]; then [[ -x $tool ]] && continue; else command -v "$tool" >/dev/null 2>&1 && continue; fi
  [[ " ${missing[*]} " == *" $package "* ]] || missing+=("$package")
done
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || { say "missing ${missing[*]}: run as root (the emulator's tests need root anyway)"; exit 1; }
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The interop server's locked dependencies; a stamp of the lock file skips `npm ci` when nothing changed.
interop=tests/AotSandbox.Tests/interop/node
stamp=$interop/node_modules/.aotsandbox-lock.sha256
lock_sum=$(sha256sum "$interop/package-lock.json" | cut -d' ' -f1)
if [[ ! -d $interop/node_modules/ws || $(cat "$stamp" 2>/dev/null) != "$lock_sum" ]]; then
  say "npm ci in $interop"
  (cd "$interop" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$lock_sum" > "$stamp"
fi

# Rust has no Debian package recent enough for the bindings' lock file: it comes from rustup.
[[ -d $HOME/.cargo/bin ]] && export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo >/dev/null 2>&1 || { say "cargo is missing: install Rust with rustup (https://rustup.rs), then re-run"; exit 1; }
command -v dotnet >/dev/null 2>&1 || { say "dotnet is missing: install the .NET 10 SDK, then re-run"; exit 1; }

# Style is part of green: the .editorconfig's rules, checked over the whole solution (the build enforces them too).
say "dotnet format --verify-no-changes"
dotnet format AotSandbox.sln --verify-no-changes -v q || { say "formatting differs: run 'dotnet format AotSandbox.sln' and commit the result"; exit 1; }

exec dotnet test AotSandbox.sln -c Release "$@"
