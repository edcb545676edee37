# The layers of lib/: each folder with the folders it may include, lowest first. A folder may only
# use folders listed above it, so the dependencies point one way (no cycles). check_layers.cmake
# reads this on every build and fails it on an include that is not allowed here; a new folder needs
# a row. docs/architecture.md explains what each folder owns.
set(LAYERS core pii sse net tls upstream redis config auth match cache cluster metrics http relay chat openai web sim bench gateway)

set(LAYER_core)
set(LAYER_pii core)
set(LAYER_sse core)
set(LAYER_net core)
set(LAYER_tls core net)
set(LAYER_upstream core net tls)
set(LAYER_redis core net)
set(LAYER_config core pii net upstream redis)
set(LAYER_auth core)
set(LAYER_match core)
set(LAYER_cache core net upstream)
set(LAYER_cluster core net redis cache upstream)
set(LAYER_metrics core pii cache upstream redis)
set(LAYER_http core net)
set(LAYER_relay core pii net sse upstream config cache cluster metrics http)
set(LAYER_chat core pii net config match cache upstream http relay)
set(LAYER_openai core pii net config cache upstream http relay)
set(LAYER_web core net http)
set(LAYER_sim core net tls http sse)
set(LAYER_bench core net tls http sse upstream)
set(LAYER_gateway core pii net tls upstream redis config auth match cache cluster metrics http relay chat openai web)
