# The dockyard controller image: `dockyard controller` as an unprivileged user.
# Build: docker build -t ghcr.io/dockyard-dev/dockyard:0.1.0 .
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY src ./src
RUN pip install --no-cache-dir --prefix=/install -c constraints.txt .

FROM python:3.11-slim
COPY --from=build /install /usr/local
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["dockyard"]
CMD ["controller", "--liveness", "http://0.0.0.0:8080/healthz"]
