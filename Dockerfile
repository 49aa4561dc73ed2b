# bitnet-gpu serve in a container: the OpenAI-compatible HTTP server on port 8080.
#   docker build -t bitnet-gpu .
#   docker run -p 8080:8080 -v /path/to/models:/models:ro bitnet-gpu -m /models/ggml-model-i2_s.gguf
# With no -m the image serves the small model bundled in models/ (copied in below), so it runs out of the box.

# ---- build: the .NET SDK publishes the CLI (with its server) ----
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/BitNet.Gpu.Cli/BitNet.Gpu.Cli.csproj -c Release -o /app/bin

# ---- run: the ASP.NET Core runtime only ----
FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app/bin ./bin
COPY models/bitnet-sotu-6m-i2_s.gguf ./models/
# Models are mounted here (read-only is enough).
VOLUME ["/models"]
# The image's unprivileged user (uid 1654), not root.
USER $APP_UID
EXPOSE 8080
# /health is 200 once the model is loaded (503 while it loads). The runtime image has no curl: bash's /dev/tcp asks.
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
# SIGTERM (docker stop) lets requests in flight finish for up to --shutdown-timeout seconds.
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "bin/bitnet-gpu.dll", "serve", "--host", "0.0.0.0", "--port", "8080"]
CMD []
