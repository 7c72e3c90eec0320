#!/bin/sh
# Rebuild the cluster's feeds from its bulletin. Made for cron: silent on success,
# problems on stderr, non-zero exit on failure. Unchanged feeds are not rewritten.
#
#   */15 * * * *  /srv/news/examples/publish.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${NEWSFEED_OUT:-$here/../public}
bulletin=${NEWSFEED_BULLETIN:-$here/news.txt}

build() {
    newsfeed build "$bulletin" \
        --title "Automotive cluster news" \
        --link "https://example.org/news/" \
        --feed-url "https://example.org/news/$1" \
        --description "News of the automotive industry cluster" \
        --language en \
        --author "Automotive industry cluster" \
        --format "$2" -o "$out/$1"
}

build feed.xml rss
build atom.xml atom
build feed.json json

# The combined feed: the bulletin plus the members' feeds, with state kept between runs.
newsfeed aggregate --quiet "$here/cluster.toml"
