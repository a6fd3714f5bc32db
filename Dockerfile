# The aks-certscan image: one static binary on an empty base, run as a non-root user.
#
#   docker build -t aks-certscan .
#   docker run --rm -v "$PWD:/work:ro" -w /work aks-certscan scan --certs testdata/scenarios
#
# The node scanner DaemonSet (deploy/kubernetes) runs this image as UID 0 with only
# CAP_DAC_READ_SEARCH, to read the kubelet's 0600 key-pair file; see the manifest.
FROM rust:1-alpine AS build
RUN apk add --no-cache build-base
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY policies policies
COPY benches benches
COPY examples examples
# A static musl binary (Alpine's Rust links statically by default).
RUN cargo build --profile release-lto --locked --bin aks-certscan \
 && strip target/release-lto/aks-certscan \
 && ./target/release-lto/aks-certscan --version

FROM scratch
COPY --from=build /src/target/release-lto/aks-certscan /usr/local/bin/aks-certscan
ENV PATH=/usr/local/bin
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/aks-certscan"]
CMD ["--help"]
