// A real redis-server for a test: started on a free loopback port, frozen (SIGSTOP), thawed,
// killed and restarted on the same port, and stopped when the object goes.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <csignal>
#include <fcntl.h>
#include <spawn.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <vector>

extern char** environ;

namespace test {

class redis_server {
 public:
  redis_server() : port_(free_port()) { start(); }
  ~redis_server() { kill_now(); }
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

  void start() {
    const std::string port = std::to_string(port_);
    std::vector<std::string> args{"redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--loglevel", "warning"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Its start-up banner and warnings are not the test's output.
    posix_spawn_file_actions_t quiet;
    posix_spawn_file_actions_init(&quiet);
    posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
    const int rc = posix_spawnp(&pid_, "redis-server", &quiet, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&quiet);
    if (rc != 0) throw std::runtime_error("cannot start redis-server");
    for (int i = 0; i < 200; ++i) {
      if (ping()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("redis-server did not answer");
  }
  void freeze() { ::kill(pid_, SIGSTOP); }
  void thaw() { ::kill(pid_, SIGCONT); }
  void kill_now() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
  }

  /// How many keys match `pattern` (KEYS), or -1 when the server does not answer.
  long keys(const std::string& pattern = "*") const {
    try {
      boost::asio::io_context ioc;
      boost::asio::ip::tcp::socket s(ioc);
      s.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
      const auto command = "KEYS " + pattern + "\r\n";
      boost::asio::write(s, boost::asio::buffer(command));
      boost::asio::streambuf reply;
      boost::asio::read_until(s, reply, "\r\n");
      std::string line(boost::asio::buffers_begin(reply.data()), boost::asio::buffers_end(reply.data()));
      return line.size() > 1 && line[0] == '*' ? std::stol(line.substr(1, line.find('\r') - 1)) : -1;
    } catch (const std::exception&) {
      return -1;
    }
  }
  /// One inline command on a connection of its own (CLIENT LIST, CLIENT KILL ...): a bulk
  /// reply's contents, else the reply's first line ("" when the server does not answer).
  std::string call(const std::string& command) const {
    try {
      boost::asio::io_context ioc;
      boost::asio::ip::tcp::socket s(ioc);
      s.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
      boost::asio::write(s, boost::asio::buffer(command + "\r\n"));
      boost::asio::streambuf reply;
      const auto n = boost::asio::read_until(s, reply, "\r\n");
      std::string line(boost::asio::buffers_begin(reply.data()), boost::asio::buffers_begin(reply.data()) + n - 2);
      reply.consume(n);
      if (line.empty() || line[0] != '$' || line == "$-1") return line;
      const auto size = std::stoul(line.substr(1));
      if (reply.size() < size + 2) boost::asio::read(s, reply, boost::asio::transfer_exactly(size + 2 - reply.size()));
      return std::string(boost::asio::buffers_begin(reply.data()), boost::asio::buffers_begin(reply.data()) + size);
    } catch (const std::exception&) {
      return {};
    }
  }

 private:
  static unsigned short free_port() {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
  }
  bool ping() const {
    try {
      boost::asio::io_context ioc;
      boost::asio::ip::tcp::socket s(ioc);
      s.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
      boost::asio::write(s, boost::asio::buffer(std::string_view("PING\r\n")));
      char reply[7];
      boost::asio::read(s, boost::asio::buffer(reply));
      return std::string_view(reply, 7) == "+PONG\r\n";
    } catch (const std::exception&) {
      return false;
    }
  }
  unsigned short port_;
  pid_t pid_ = 0;
};

}  // namespace test
