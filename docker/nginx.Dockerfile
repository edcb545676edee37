# nginx for docker/compose.yaml, from the same local debian:bookworm-slim and Debian's nginx (no
# registry image needed), with nginx/chat-gateway.conf and nginx/cluster-upstream.conf as
# templates: compose writes the site from them with its ports. Its build context is nginx/.
FROM debian:bookworm-slim
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends nginx \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* /usr/share/doc/* /usr/share/man/*
COPY chat-gateway.conf cluster-upstream.conf /etc/nginx/templates/
STOPSIGNAL SIGQUIT
