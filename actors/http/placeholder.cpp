// Replaced by the HTTP edge.
namespace skald::http {
int placeholder_symbol = 0;
}
