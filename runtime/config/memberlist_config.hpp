// runtime/config/memberlist_config.hpp — the `memberlist:` block: gossip of
// ring state between nodes.
//
// Read by actors/ring (gossip member). skald gossips over CAF's middleman on
// bind_port; the timing keys mean what they mean in dskit memberlist
// (write-path spec §4.5). Loki 3.x keys and defaults.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "runtime/config/binder.hpp"

namespace skald::config {

struct memberlist_config {
  std::string node_name;
  bool randomize_node_name = false;
  std::vector<std::string> bind_addr;
  int bind_port = 0;
  std::string advertise_addr;
  int advertise_port = 0;
  std::vector<std::string> join_members;
  std::chrono::nanoseconds gossip_interval{0};
  int gossip_nodes = 0;
  int retransmit_factor = 0;
  std::chrono::nanoseconds pull_push_interval{0};
  std::chrono::nanoseconds gossip_to_dead_nodes_time{0};
  std::chrono::nanoseconds dead_node_reclaim_time{0};
  std::chrono::nanoseconds left_ingesters_timeout{0};
  std::chrono::nanoseconds leave_timeout{0};
  std::chrono::nanoseconds rejoin_interval{0};
  int max_join_retries = 0;

  memberlist_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    using namespace std::chrono_literals;
    b.field(node_name, "node_name", "", "Name of this node in the cluster; empty = the hostname.");
    b.field(randomize_node_name, "randomize_node_name", true,
            "Append a random suffix to node_name so a restarted node is a new member.");
    b.field(bind_addr, "bind_addr", std::vector<std::string>{},
            "Addresses to listen on for gossip; empty = all interfaces.");
    b.field(bind_port, "bind_port", 7946, "Port to listen on for gossip.");
    b.field(advertise_addr, "advertise_addr", "", "Address other members use; empty = detected.");
    b.field(advertise_port, "advertise_port", 7946, "Port other members use.");
    b.field(join_members, "join_members", std::vector<std::string>{},
            "Seed members (host:port) to join at start-up.", opts().flag("memberlist.join"));
    b.field(gossip_interval, "gossip_interval", 200ms, "How often to gossip changes.");
    b.field(gossip_nodes, "gossip_nodes", 3, "Members each change is gossiped to per interval.");
    b.field(retransmit_factor, "retransmit_factor", 4, "Multiplier of gossip retransmissions.");
    b.field(pull_push_interval, "pull_push_interval", 30s,
            "How often to exchange the full state with a random member.");
    b.field(gossip_to_dead_nodes_time, "gossip_to_dead_nodes_time", 30s,
            "How long to keep gossiping to a member that looks dead.");
    b.field(dead_node_reclaim_time, "dead_node_reclaim_time", 0s,
            "After this long a dead member's name may be reused; 0 = never.");
    b.field(left_ingesters_timeout, "left_ingesters_timeout", 5min,
            "How long LEFT ring entries (tombstones) are kept before removal.");
    b.field(leave_timeout, "leave_timeout", 20s, "Timeout for leaving the cluster on shutdown.");
    b.field(rejoin_interval, "rejoin_interval", 0s,
            "Rejoin the seed members this often; 0 disables rejoining.");
    b.field(max_join_retries, "max_join_retries", 10, "Join attempts at start-up.");
  }

  status validate() const;
};

} // namespace skald::config
