// http/framing: which transfer codings serve_http refuses (against the parser's own reading of the
// header, as serve_http asks it) and how a failed read is answered.
#include "http/framing.hpp"
#include "http/request_reader.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <catch2/catch.hpp>

#include <string>

using namespace gateway;
namespace beast = boost::beast;

namespace {

// The status transfer_coding_problem gives the request whose framing lines are `fields`, read by
// the request reader as serve_http reads it (the header only).
unsigned problem_of(const std::string& fields, const char* version = "HTTP/1.1") {
  const std::string head =
      std::string("POST /chat ") + version + "\r\nHost: x\r\n" + fields + "\r\n";
  inbound_request request;
  request_reader reader(request);
  boost::beast::error_code ec;
  reader.put(boost::asio::buffer(head), ec);
  if (ec) return 1000 + static_cast<unsigned>(ec.value());  // the parser refused it itself
  REQUIRE(reader.is_header_done());
  std::string what;
  const auto status = transfer_coding_problem(request, reader.chunked(), what);
  CHECK((status == 0) == what.empty());
  return status;
}

}  // namespace

TEST_CASE("framing: one final chunked is read, nothing else is", "[http][framing]") {
  CHECK(problem_of("") == 0);
  CHECK(problem_of("Content-Length: 3\r\n") == 0);
  CHECK(problem_of("Transfer-Encoding: chunked\r\n") == 0);
  CHECK(problem_of("Transfer-Encoding: CHUNKED\r\n") == 0);
  CHECK(problem_of("Transfer-Encoding: xchunked\r\n") == 400);
  CHECK(problem_of("Transfer-Encoding: chunked, identity\r\n") == 400);
  CHECK(problem_of("Transfer-Encoding: chunked, chunked\r\n") == 400);
  CHECK(problem_of("Transfer-Encoding: gzip, chunked\r\n") == 501);
  CHECK(problem_of("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n") ==
        501);  // one list over two lines
  CHECK(problem_of("Transfer-Encoding: chunked\r\n", "HTTP/1.0") == 400);
}

// Issue 35: an item that is only parameters was skipped by the gateway's list while Beast's token
// list stopped at the ';' and framed no body: the body was then answered as a second request.
TEST_CASE("framing: an item of parameters alone, or parameters on a coding, is refused",
          "[http][framing]") {
  for (const auto* te : {";, chunked", ";x, chunked", "; , chunked", "chunked;x", "chunked, ;",
                         "gzip;q=1, chunked", ";", "chunked;"}) {
    INFO(te);
    const auto status = problem_of(std::string("Transfer-Encoding: ") + te + "\r\n");
    CHECK((status == 400 || status > 1000));  // refused here, or by the parser itself
  }
}

TEST_CASE("framing: the parser's framing and the list must agree", "[http][framing]") {
  inbound_request plain(beast::http::verb::post, "/chat", 11);
  std::string what;
  CHECK(transfer_coding_problem(plain, false, what) == 0);
  CHECK(transfer_coding_problem(plain, true, what) ==
        400);  // chunked framing with no field: never trusted
  inbound_request te(beast::http::verb::post, "/chat", 11);
  te.insert("Transfer-Encoding", "chunked");
  CHECK(transfer_coding_problem(te, true, what) == 0);
  CHECK(transfer_coding_problem(te, false, what) ==
        400);  // the list says chunked, the parser did not frame it
}

TEST_CASE("framing: a failed read is answered by its cause", "[http][framing]") {
  serve_limits limits;
  CHECK(read_refusal(beast::http::error::body_limit, true, limits).status == 413);
  CHECK(read_refusal(beast::http::error::header_limit, false, limits).status == 431);
  CHECK(read_refusal(beast::http::error::buffer_overflow, false, limits).status == 431);
  const auto line =
      read_refusal(beast::http::error::buffer_overflow, true, limits);  // a chunk line or trailer
  CHECK(line.status == 400);
  CHECK(line.code == "invalid_request");
  CHECK(line.message.find(std::to_string(read_buffer_limit(limits))) != std::string::npos);
  CHECK(read_refusal(beast::http::error::bad_chunk, true, limits).status == 400);
  // The peer gone or a request cut short: the connection ends without an answer.
  CHECK(read_refusal(beast::http::error::end_of_stream, false, limits).status == 0);
  CHECK(read_refusal(beast::http::error::partial_message, true, limits).status == 0);
  CHECK(read_refusal(boost::asio::error::operation_aborted, true, limits).status == 0);
  CHECK(read_buffer_limit(limits) == limits.max_header_bytes + limits.read_slack);
}

// Review of issue 35: the refusal's message goes into the log and the error body; the coding in it
// is the client's, so it is cut to a bound and escaped.
TEST_CASE("framing: an unsupported coding is quoted cut short and escaped", "[http][framing]") {
  inbound_request request(beast::http::verb::post, "/chat", 11);
  request.insert("Transfer-Encoding", "gz\xffip" + std::string(10'000, 'z') + ", chunked");
  std::string what;
  CHECK(transfer_coding_problem(request, true, what) == 501);
  CHECK(what == "transfer coding 'gz\\xffip" + std::string(coding_excerpt_bytes - 5, 'z') +
                    "...' is not supported");
  inbound_request gzip(beast::http::verb::post, "/chat", 11);
  gzip.insert("Transfer-Encoding", "gzip, chunked");
  CHECK(transfer_coding_problem(gzip, true, what) == 501);
  CHECK(what == "transfer coding 'gzip' is not supported");
}
