# Redis for docker/compose.yaml's shared tier, from the local debian:bookworm-slim and Debian's
# redis-server 7.0 (no registry image needed). Started by compose with its port and options.
FROM debian:bookworm-slim
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/*
USER redis
ENTRYPOINT ["/usr/bin/redis-server"]
