#!/bin/sh
# Starts a Redis of deploy/compose.yaml from the files mounted in /etc/switchboard-redis:
#   redis-start.sh server [PRIMARY]   a Redis (a replica of PRIMARY at its first start)
#   redis-start.sh sentinel           a sentinel watching the primary `switchboard`
# The config is copied to the data volume once (Redis and Sentinel rewrite their own copy at a
# failover, so a restart keeps what the failover decided). REDIS_ANNOUNCE is the service's name,
# the name the sentinels give to Switchboard. The password: SWITCHBOARD_REDIS_PASSWORD.
set -eu
: "${SWITCHBOARD_REDIS_PASSWORD:?is not set (deploy/.env)}"
: "${REDIS_ANNOUNCE:?is not set}"
if [ "$SWITCHBOARD_REDIS_PASSWORD" = REPLACE_ME ] || [ "${#SWITCHBOARD_REDIS_PASSWORD}" -lt 16 ]; then
  echo "redis-start.sh: SWITCHBOARD_REDIS_PASSWORD is the placeholder or shorter than 16 characters (deploy/.env)" >&2
  exit 1
fi
umask 077
case "${1:-}" in
  server)
    if [ ! -f /var/lib/redis/redis.conf ]; then
      cp /etc/switchboard-redis/redis.conf /var/lib/redis/redis.conf
      if [ -n "${2:-}" ]; then echo "replicaof $2 6379" >> /var/lib/redis/redis.conf; fi
    fi
    exec redis-server /var/lib/redis/redis.conf --replica-announce-ip "$REDIS_ANNOUNCE" \
      --requirepass "$SWITCHBOARD_REDIS_PASSWORD" --masterauth "$SWITCHBOARD_REDIS_PASSWORD" ;;
  sentinel)
    if [ ! -f /var/lib/redis/sentinel.conf ]; then
      cp /etc/switchboard-redis/sentinel.conf /var/lib/redis/sentinel.conf
      {
        echo "sentinel announce-ip $REDIS_ANNOUNCE"
        echo "sentinel auth-pass switchboard $SWITCHBOARD_REDIS_PASSWORD"
      } >> /var/lib/redis/sentinel.conf
    fi
    exec redis-server /var/lib/redis/sentinel.conf --sentinel ;;
  *) echo "usage: redis-start.sh server [PRIMARY] | sentinel" >&2; exit 2 ;;
esac
