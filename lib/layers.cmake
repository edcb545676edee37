# The layers of lib/: each folder with the folders it may include, lowest first. A folder may only
# use folders listed above it, so the dependencies point one way (no cycles). check_layers.cmake
# reads this on every build and fails it on an include that is not allowed here; a new folder needs
# a row. docs/architecture.md explains what each folder owns.
# The tools (lib/tools/<name>: groq-sim, chat-bench's load generator) come after the product: they
# may use its folders, never the other way round. A tool's row is named by its path under lib/.
set(LAYERS core trace pii sse net tls transport telemetry completion upstream redis config auth match cache cluster metrics http relay chat openai web gateway
    tools/sim tools/load)

set(LAYER_core)
set(LAYER_trace core)
set(LAYER_pii core)
set(LAYER_sse core)
set(LAYER_net core)
set(LAYER_tls core net)
set(LAYER_transport core net tls)
set(LAYER_telemetry core trace net tls transport)
set(LAYER_completion core)
set(LAYER_upstream core trace net transport completion)
set(LAYER_redis core net)
set(LAYER_config core trace pii net transport redis)
set(LAYER_auth core)
set(LAYER_match core)
set(LAYER_cache core net completion)
set(LAYER_cluster core trace net redis cache transport)
set(LAYER_metrics core pii cache transport upstream redis)
set(LAYER_http core trace net)
set(LAYER_relay core trace pii net sse upstream config cache cluster metrics http)
set(LAYER_chat core pii net config match cache completion http relay)
set(LAYER_openai core pii net config cache completion http relay)
set(LAYER_web core net http)
set(LAYER_gateway core trace pii net tls transport telemetry completion upstream redis config auth match cache cluster metrics http relay chat openai web)
set(LAYER_tools/sim core net tls http sse)
set(LAYER_tools/load core net tls http sse)
