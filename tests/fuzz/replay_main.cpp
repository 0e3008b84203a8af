// tests/fuzz/replay_main.cpp — main() for the libFuzzer targets in the
// normal build (g++, no sanitizers, no libFuzzer): calls
// LLVMFuzzerTestOneInput once with the empty input, then once per file
// given (a directory: each regular file in it, in name order). It lets CI
// compile every fuzz target with the rest of the project and replay its seed
// corpus as a ctest test (tests/cmake/fuzz_replay.cmake); a property a
// target checks traps (SIGILL) and fails the test. Fuzzing itself is
// `make fuzz` (clang, ASan, UBSan).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const fs::path p{argv[i]};
    if (fs::is_directory(p)) {
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file())
          files.push_back(e.path());
    } else {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "no inputs to replay\n");
    return 1;
  }
  LLVMFuzzerTestOneInput(nullptr, 0);
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", f.c_str());
      return 1;
    }
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("%zu inputs replayed\n", files.size());
  return 0;
}
