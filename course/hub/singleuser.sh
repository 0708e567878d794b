#!/bin/sh
# The single-user server's command under JupyterHub, run as the learner (never as root).
# On the learner's first spawn it copies the workshop's handout (the course without solutions/)
# into ~/course, with node_modules as links into the shared read-only install (a copy would be
# 215 MB and seconds per learner; the links take a fraction of a second). The folder node_modules
# itself is the learner's own, because vite writes its temporary files there.
# Then it starts Jupyter in ~/course with the course kernel on JUPYTER_PATH.
set -eu
template=${COURSE_HUB_TEMPLATE:?COURSE_HUB_TEMPLATE is not set: start the hub with npm run hub}
copy=$HOME/course
# The learner's files stay theirs: the home is 0700 (npm run hub makes it so), and their
# temporary files, sockets and FIFOs go into a private folder in it, not into the shared /tmp.
# The umask stays the usual 022: the labs' tests expect it.
umask 022
export TMPDIR="$HOME/.tmp"
mkdir -p -m 700 "$TMPDIR"

if [ ! -d "$copy" ]; then
  partial=$HOME/.course-copy.partial
  rm -rf "$partial"
  mkdir -p "$partial/node_modules"
  (cd "$template" && tar --exclude=./node_modules -cf - .) | tar -xf - -C "$partial"
  for entry in "$template"/node_modules/* "$template"/node_modules/.bin "$template"/node_modules/.package-lock.json; do
    [ -e "$entry" ] && ln -s "$entry" "$partial/node_modules/"
  done
  mv "$partial" "$copy" # only a complete copy gets the name: a spawn that died halfway starts over
fi

cd "$copy"
export JUPYTER_PATH="$copy/course/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
exec jupyterhub-singleuser --notebook-dir="$copy" "$@"
