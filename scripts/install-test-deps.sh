#!/usr/bin/env bash
# System packages the tests need, from Debian, installed only when missing.
set -euo pipefail

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
# ffmpeg generates the video tests' media (an mp4, an HLS VOD, a live HLS stream): scripts/make_media.py.
[ -x /usr/bin/ffmpeg ] || packages+=(ffmpeg)
# A Chinese font, so screenshots of the zh_CN test show characters rather than boxes.
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || packages+=(fonts-wqy-microhei)

[ ${#packages[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  apt=(apt-get)
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  apt=(sudo apt-get)
else
  echo "ClassLab tests need these Debian packages: ${packages[*]}" >&2
  echo "Install them as root:  apt-get install -y ${packages[*]}" >&2
  exit 1
fi

echo "Installing test packages from Debian: ${packages[*]}"
if ! { DEBIAN_FRONTEND=noninteractive "${apt[@]}" update -qq &&
       DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "${packages[@]}"; } >/tmp/classlab-apt.log 2>&1; then
  echo "Could not install ${packages[*]} with apt-get; its log:" >&2
  tail -20 /tmp/classlab-apt.log >&2
  exit 1
fi
