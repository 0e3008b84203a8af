// cmd/skald/main.cpp — the skald node (placeholder until the node runtime lands).
#include <cstdio>

int main() {
  std::printf("skald %s\n", SKALD_VERSION);
  return 0;
}
