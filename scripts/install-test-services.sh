#!/usr/bin/env bash
# Installs the Debian packages the test suite runs for real, when missing and the machine
# allows it (root, or password-less sudo): chromium and chromium-driver for the browser
# tests, redis-server for the Redis/Celery deployment tests, ffmpeg for the m4a/aac decoding
# tests (as `make run` installs it for a music folder), asc-music (three real GPL MP3s) for
# the extractor's test on real music. Otherwise says so: those tests then
# skip with that reason instead of failing.
set -u
want=()
command -v chromium >/dev/null 2>&1 || want+=(chromium)
command -v chromedriver >/dev/null 2>&1 || want+=(chromium-driver)
command -v redis-server >/dev/null 2>&1 || want+=(redis-server)
command -v ffmpeg >/dev/null 2>&1 || want+=(ffmpeg)
[ -d /usr/share/games/asc/music ] || want+=(asc-music)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  echo "${want[*]} missing and no root: the tests that need them will be skipped" >&2; exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "${want[*]} missing and no apt-get: the tests that need them will be skipped" >&2; exit 0
fi
echo "Installing Debian's ${want[*]} for the tests..."
$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${want[@]}" >/dev/null \
  || echo "could not install ${want[*]}: the tests that need them will be skipped" >&2
# Debian starts redis-server as a service on install; the tests start their own on loopback.
command -v systemctl >/dev/null 2>&1 && $SUDO systemctl disable --now redis-server >/dev/null 2>&1
exit 0
