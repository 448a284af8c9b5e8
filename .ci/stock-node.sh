#!/usr/bin/env bash
# A new user on a machine whose Node is older than 22 (Debian 13's is 20): a clean clone,
# the machine's own node and npm first on PATH and no newer Node anywhere on it, an empty
# cache, then the README's set-up lines verbatim. `npm install && npx obsdtui demo` runs in
# a real terminal (tmux) and must show the demo; q quits it; `npm test -- FILE` must pass.
# Skipped, with a message, when the machine's Node is 22 or newer (nothing to fetch then).
#
#   .ci/stock-node.sh [NODE]     NODE defaults to /usr/bin/node
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$(pwd)
say() { printf '==> stock-node: %s\n' "$*"; }
die() {
	printf 'stock-node: FAILED: %s\n' "$*" >&2
	exit 1
}

stock=${1:-/usr/bin/node}
if [ ! -x "$stock" ]; then
	say "skipped: there is no $stock"
	exit 0
fi
major=$("$stock" -p 'process.versions.node.split(".")[0]')
if [ "$major" -ge 22 ]; then
	say "skipped: $stock is $("$stock" --version), not older than 22 (nothing is fetched then)"
	exit 0
fi
bindir=$(dirname "$stock")
[ -x "$bindir/npm" ] || die "no npm next to $stock (Debian: apt-get install npm)"
command -v tmux >/dev/null || die "tmux is needed to run the demo in a terminal"

work=$(mktemp -d /tmp/obsdtui-stock.XXXXXX)
sock="$work/tmux.sock"
cleanup() {
	tmux -S "$sock" kill-server 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# What a user has: the system's directories, the stock node first, no Node 24 dir.
export PATH="$bindir:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export XDG_CACHE_HOME="$work/cache"
unset OBSDTUI_FROM_SOURCE OBSDTUI_NODE_REEXEC npm_config_prefix
[ "$(command -v node)" = "$stock" ] || die "node on PATH is $(command -v node), not $stock"
say "node $(node --version), npm $(npm --version), cache $XDG_CACHE_HOME"

git clone -q "$repo" "$work/obsdtui"
cd "$work/obsdtui"
say "cloned $(git log -1 --format='%h %s' | cut -c1-70)"

# Poll the pane until it matches; the deadline is a hang guard, not a measurement.
screen() { tmux -S "$sock" capture-pane -p -t 0; }
wait_for() { # regex seconds what
	local deadline=$((SECONDS + $2))
	until screen | grep -Eq -- "$1"; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			screen >&2
			die "$3 did not show within $2 s"
		fi
		sleep 1
	done
}

tmux -S "$sock" -f /dev/null new-session -d -x 120 -y 32 \
	"env -u FORCE_COLOR -u NO_COLOR CI=false TERM=xterm-256color PS1='user$ ' bash --norc --noprofile"
tmux -S "$sock" set-option -g remain-on-exit on
tmux -S "$sock" set-option -g history-limit 20000
wait_for 'user\$' 30 'the shell prompt'
say "typing: npm install && npx obsdtui demo"
tmux -S "$sock" send-keys -t 0 -l 'npm install && npx obsdtui demo'
tmux -S "$sock" send-keys -t 0 Enter
# npm install (with the fetch of Node 24 and the builds), then the demo's first VM.
wait_for 'arm64-installer │ (playing|finished)' 900 'the demo'
say "the demo is on the screen; q quits"
tmux -S "$sock" send-keys -t 0 q
wait_for '^user\$ ?$' 60 'the shell prompt after q'
tmux -S "$sock" send-keys -t 0 -l 'echo "demo-exit=$?"'
tmux -S "$sock" send-keys -t 0 Enter
wait_for 'demo-exit=[0-9]+' 30 'the exit status'
screen | grep -q 'demo-exit=0' || {
	tmux -S "$sock" capture-pane -p -t 0 -S - >&2
	die "npm install && npx obsdtui demo did not exit 0"
}

fetched=$(ls -d "$XDG_CACHE_HOME"/obsdtui/node/*/bin/node 2>/dev/null | head -n 1)
[ -n "$fetched" ] || die "no Node was fetched into $XDG_CACHE_HOME/obsdtui/node"
say "fetched $("$fetched" --version) into ${fetched%/bin/node}"

# node-pty was built by npm under the old Node and is loaded by the new one (N-API).
"$fetched" -e "require('node-pty').spawn('/bin/echo', ['PTY-' + 'OK'], {}).onData((d) => process.stdout.write(d))" | grep -q PTY-OK ||
	die "node-pty built under $(node --version) does not load under $("$fetched" --version)"

version=$(npx obsdtui --version)
[ "$version" = "obsdtui $(node -p 'require("./package.json").version')" ] || die "npx obsdtui --version said '$version'"

say "npm test -- test/unit/spec.test.ts"
npm test -- test/unit/spec.test.ts
say "ok: a clean clone on $(node --version) runs the README's commands"
