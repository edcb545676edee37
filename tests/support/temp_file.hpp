// A file under /tmp holding some text, removed when it goes out of scope: the CA certificates the
// TLS tests hand to the gateway's client context (which reads a file, as GROQ_CA_FILE).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace test {

class temp_file {
 public:
  explicit temp_file(const std::string& text) {
    char path[] = "/tmp/gateway-test-XXXXXX";  // unique across the tests ctest runs at once
    const int fd = ::mkstemp(path);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    ::close(fd);
    path_ = path;
    std::ofstream(path_) << text;
  }
  ~temp_file() { std::remove(path_.c_str()); }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace test
