# nginx for docker/compose.yaml, from the same local debian:bookworm-slim and Debian's nginx (no
# registry image needed), with nginx/chat-gateway.conf as its only site. Its build context is nginx/.
FROM debian:bookworm-slim
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends nginx \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* /usr/share/doc/* /usr/share/man/*
COPY chat-gateway.conf /etc/nginx/conf.d/default.conf
STOPSIGNAL SIGQUIT
