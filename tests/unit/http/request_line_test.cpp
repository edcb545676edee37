// request_line_target: the route a request we could not parse was meant for, read from the raw
// bytes at any point of their arrival.
#include "http/serve.hpp"

#include <catch2/catch.hpp>

#include <string>

using gateway::request_line_target;

TEST_CASE("request_line_target reads the target of a whole request line", "[http]") {
  CHECK(request_line_target("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n") == "/v1/chat/completions");
  CHECK(request_line_target("GET /chat?x=1 HTTP/1.1\n\n") == "/chat?x=1");  // a bare LF ends the line too
  CHECK(request_line_target("GET /a HTTP/1.1\rHost: x") == "/a");          // so does a bare CR
  CHECK(request_line_target("GET /only-target\r\n") == "/only-target");   // no version
}

TEST_CASE("request_line_target is empty until the request line is whole", "[http]") {
  const std::string request = "POST /chat HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto eol = request.find_first_of("\r\n");
  for (std::size_t cut = 0; cut <= request.size(); ++cut) {
    const auto target = request_line_target(std::string_view(request).substr(0, cut));
    CAPTURE(cut);
    CHECK(target == (cut > eol ? "/chat" : ""));
  }
  CHECK(request_line_target("") == "");
  CHECK(request_line_target("garbage\r\n") == "");  // no space: no target
}
