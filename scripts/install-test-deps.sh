#!/usr/bin/env bash
# System packages the tests need, from Debian, installed only when missing.
set -euo pipefail

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
# ffmpeg generates the video tests' media (an mp4, an HLS VOD, a live HLS stream): scripts/make_media.py.
[ -x /usr/bin/ffmpeg ] || packages+=(ffmpeg)
# A Chinese font, so screenshots of the zh_CN test show characters rather than boxes.
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || packages+=(fonts-wqy-microhei)
# bubblewrap: the grader runs student code in a sandbox without network (classlab_bridge/grader/sandbox.py).
[ -x /usr/bin/bwrap ] || packages+=(bubblewrap)
# The slurm suite's single-node Slurm 22.05 (scripts/slurm-single-node.sh): controller, node, REST API with JWT,
# accounting (slurmdbd + MariaDB) for the GPU-minute quotas; jq and curl for the script's selftest.
slurm=(munge slurmctld slurmd slurm-client slurmrestd slurm-wlm-jwt-plugin slurmdbd slurm-wlm-mysql-plugin
  mariadb-server jq curl)
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${slurm[@]}" 2>/dev/null | awk '/ install ok installed$/{print $1}' || true)
for p in "${slurm[@]}"; do grep -qx "$p" <<<"$installed" || packages+=("$p"); done

[ ${#packages[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo)
else
  echo "ClassLab tests need these Debian packages: ${packages[*]}" >&2
  echo "Install them as root:  apt-get install -y ${packages[*]}" >&2
  exit 1
fi
apt=("${as_root[@]}" apt-get)

echo "Installing test packages from Debian: ${packages[*]}"
# The services of these packages (mariadb, munge, slurm*) must not start: the slurm suite runs its own daemons.
# Debian's policy-rc.d convention (exit 101 = "do not start"), only while we install and only if there is none.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  "${as_root[@]}" sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
  trap '"${as_root[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
fi
if ! { DEBIAN_FRONTEND=noninteractive "${apt[@]}" update -qq &&
       DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "${packages[@]}"; } >/tmp/classlab-apt.log 2>&1; then
  echo "Could not install ${packages[*]} with apt-get; its log:" >&2
  tail -20 /tmp/classlab-apt.log >&2
  exit 1
fi
