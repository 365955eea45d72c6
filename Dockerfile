# The CRM API as a container: build with CMake on Debian bookworm, build the
# client apps with Node, then a slim runtime image with the binary, its shared
# libraries and the apps' built files. The entrypoint migrates the database,
# then serves the API and the apps on 0.0.0.0:8080.

# The client apps (clients/, an npm workspace): only their dist/ folders go
# into the image. Vite needs Node >= 20.19, newer than Debian bookworm's.
FROM node:22-bookworm-slim AS clients
WORKDIR /src
COPY openapi/ openapi/
COPY clients/ clients/
# An app not built (yet) leaves an empty folder: the server then keeps that
# app off, and the COPY below still finds it.
RUN cd clients \
    && npm ci --no-audit --no-fund \
    && npm run build \
    && mkdir -p web/dist mobile/dist

FROM debian:bookworm-slim AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config \
        libulfius-dev liborcania-dev libmicrohttpd-dev libjansson-dev libpq-dev \
        libjwt-dev libargon2-dev libssl-dev libglib2.0-dev libpwquality-dev \
        libcairo2-dev libpango1.0-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY lib/ lib/
COPY api/ api/
COPY migrations/ migrations/
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCRM_TESTS=OFF \
    && cmake --build build -j "$(nproc)" \
    && strip build/crm-server

FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libulfius2.7 liborcania2.3 libmicrohttpd12 libjansson4 libpq5 \
        libjwt0 libargon2-1 libssl3 libpwquality1 cracklib-runtime ca-certificates curl \
        libcairo2 libpango-1.0-0 libpangocairo-1.0-0 libfontconfig1 fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/crm --shell /usr/sbin/nologin crm
COPY --from=build /src/build/crm-server /usr/local/bin/crm-server
COPY --from=clients /src/clients/web/dist /usr/local/share/crm/web
COPY --from=clients /src/clients/mobile/dist /usr/local/share/crm/mobile
COPY scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh \
    && ! ldd /usr/local/bin/crm-server | grep 'not found'

USER crm
WORKDIR /var/lib/crm
ENV CRM_BIND=0.0.0.0 \
    CRM_PORT=8080 \
    CRM_DATA_DIR=/var/lib/crm \
    CRM_WEB_DIR=/usr/local/share/crm/web \
    CRM_MOBILE_DIR=/usr/local/share/crm/mobile
# The JWT signing keys live here: keep it on a volume, or every restart
# invalidates every token.
VOLUME ["/var/lib/crm"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
    CMD curl -fsS "http://127.0.0.1:${CRM_PORT}/healthz" >/dev/null || exit 1
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["serve"]
