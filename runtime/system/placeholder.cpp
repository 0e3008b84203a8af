// Replaced by the node runtime.
namespace skald::system {
int placeholder_symbol = 0;
}
