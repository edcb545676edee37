// Catch's implementation. A wide console: `--list-test-names-only` (what catch_discover_tests reads)
// would otherwise wrap names longer than 80 columns, and ctest would run a truncated name that
// matches no test - and passes having run nothing. `-w NoTests` (tests/CMakeLists.txt) makes that
// case fail loudly should it ever come back.
#define CATCH_CONFIG_MAIN
#define CATCH_CONFIG_CONSOLE_WIDTH 400
#include <catch2/catch.hpp>
