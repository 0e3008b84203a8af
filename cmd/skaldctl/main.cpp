// cmd/skaldctl/main.cpp — the admin command-line client of skald.
//
// For now it answers --version; the admin console issue adds the commands
// that talk to a node's /admin/api (nodes, actors, ring, streams, flush, top).
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--version") == 0 || std::strcmp(argv[i], "-version") == 0) {
      std::printf("skaldctl, version %s\n", SKALD_VERSION);
      return 0;
    }
  }
  std::fprintf(stderr, "usage: skaldctl --version\n");
  return 2;
}
