#include "runtime/storage/chunk_store.hpp"

#include "runtime/storage/coding.hpp"
#include "runtime/util/crc32c.hpp"

namespace skald::storage {

std::string encode_chunk_object(const chunk_object_header& h, std::string_view chunk_bytes) {
  std::string out;
  size_t labels_size = 0;
  for (auto& l : h.labels)
    labels_size += l.name.size() + l.value.size() + 4;
  out.reserve(64 + h.tenant.size() + labels_size + chunk_bytes.size());
  coding::put_be32(out, chunk_object_magic);
  coding::put_u8(out, chunk_object_version);
  out.append(3, '\0'); // reserved
  coding::put_be64(out, h.fingerprint);
  coding::put_be64(out, static_cast<uint64_t>(h.from_ms));
  coding::put_be64(out, static_cast<uint64_t>(h.through_ms));
  coding::put_be32(out, h.entries);
  coding::put_string(out, h.tenant);
  coding::put_uvarint(out, h.labels.size());
  for (auto& l : h.labels) {
    coding::put_string(out, l.name);
    coding::put_string(out, l.value);
  }
  coding::put_string(out, chunk_bytes);
  return out;
}

result<decoded_chunk_object> decode_chunk_object(std::string_view object) {
  auto bad = [](const std::string& what) {
    return status{errc::corrupt_record, "chunk object: " + what};
  };
  coding::reader r{object};
  decoded_chunk_object out;
  if (uint32_t m = r.be32(); !r.ok() || m != chunk_object_magic)
    return bad("invalid magic number");
  if (uint8_t v = r.u8(); v != chunk_object_version)
    return bad("unsupported version " + std::to_string(v));
  auto reserved = r.bytes(3);
  if (!r.ok() || reserved != std::string_view{"\0\0\0", 3})
    return bad("reserved bytes not zero");
  auto& h = out.header;
  h.fingerprint = r.be64();
  h.from_ms = static_cast<int64_t>(r.be64());
  h.through_ms = static_cast<int64_t>(r.be64());
  h.entries = r.be32();
  h.tenant = std::string{r.string()};
  uint64_t n = r.uvarint();
  if (!r.ok() || n > r.remaining() / 2)
    return bad("truncated");
  h.labels.reserve(static_cast<size_t>(n));
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    model::label l;
    l.name = std::string{r.string()};
    l.value = std::string{r.string()};
    h.labels.push_back(std::move(l));
  }
  out.chunk_bytes = r.string();
  if (!r.ok())
    return bad("truncated");
  if (!r.at_end())
    return bad("trailing bytes");
  return out;
}

chunk_store::chunk_store(file_system& fs, std::string root, key_schema schema)
    : fs_(fs), root_(std::move(root)), schema_(schema) {}

std::string chunk_store::path_of(const chunk_id& id) const {
  return join_path(root_, fs_key(id, schema_));
}

status chunk_store::ensure_dir(const std::string& dir) {
  {
    std::lock_guard<std::mutex> g{mu_};
    if (dirs_.count(dir))
      return {};
  }
  auto ex = fs_.exists(dir);
  if (!ex)
    return ex.error();
  if (!*ex) {
    if (auto st = fs_.create_dirs(dir); !st.ok())
      return st;
    // Make the new directory entries durable: fsync the parents up to root.
    std::string_view p = dir;
    while (p.size() > root_.size()) {
      p = parent_path(p);
      if (p.empty())
        break;
      if (auto st = fs_.sync_dir(std::string{p}); !st.ok())
        return st;
    }
  }
  std::lock_guard<std::mutex> g{mu_};
  dirs_.insert(dir);
  return {};
}

result<put_result> chunk_store::put(std::string_view tenant, uint64_t fingerprint,
                                    const model::label_set& labels, model::timestamp_ns min_ts,
                                    model::timestamp_ns max_ts, uint32_t entries,
                                    std::string_view chunk_bytes) {
  if (auto st = valid_tenant(tenant); !st.ok())
    return st;
  if (max_ts < min_ts)
    return status{errc::invalid_argument, "chunk max_ts before min_ts"};
  chunk_object_header h;
  h.tenant = std::string{tenant};
  h.fingerprint = fingerprint;
  h.from_ms = floor_ms(min_ts);
  h.through_ms = ceil_ms(max_ts);
  h.entries = entries;
  h.labels = labels;
  std::string object = encode_chunk_object(h, chunk_bytes);
  if (object.size() > UINT32_MAX)
    return status{errc::too_large, "chunk object larger than 4GiB"};
  put_result out;
  out.ref.from_ms = h.from_ms;
  out.ref.through_ms = h.through_ms;
  out.ref.checksum = util::crc32c(object);
  out.ref.size = static_cast<uint32_t>(object.size());
  out.ref.entries = entries;
  std::string path = path_of(id_of(h.tenant, fingerprint, out.ref));
  auto ex = fs_.exists(path);
  if (!ex)
    return ex.error();
  auto dir = parent_path(path);
  if (*ex) {
    // A failed put of ours may have renamed the file without syncing its
    // directory: finish that before reporting success.
    bool suspect = false;
    {
      std::lock_guard<std::mutex> g{mu_};
      suspect = unsynced_.count(path) != 0;
    }
    if (suspect) {
      if (auto st = fs_.sync_dir(std::string{dir}); !st.ok())
        return st;
      std::lock_guard<std::mutex> g{mu_};
      unsynced_.erase(path);
    }
    out.deduped = true;
    return out;
  }
  if (!dir.empty())
    if (auto st = ensure_dir(std::string{dir}); !st.ok())
      return st;
  if (auto st = write_atomic(fs_, path, object); !st.ok()) {
    std::lock_guard<std::mutex> g{mu_};
    unsynced_.insert(path);
    return st;
  }
  return out;
}

result<stored_chunk> chunk_store::get(std::string_view tenant, uint64_t fingerprint,
                                      const chunk_ref& ref) {
  chunk_id id = id_of(std::string{tenant}, fingerprint, ref);
  auto bytes = fs_.read_file(path_of(id));
  if (!bytes)
    return bytes.error();
  const std::string& object = *bytes;
  if (uint32_t crc = util::crc32c(object); crc != ref.checksum)
    return status{errc::corrupt_record, "invalid chunk checksum: " + external_key(id, schema_)};
  auto dec = decode_chunk_object(object);
  if (!dec)
    return dec.error();
  auto& h = dec->header;
  if (h.tenant != tenant || h.fingerprint != fingerprint || h.from_ms != ref.from_ms ||
      h.through_ms != ref.through_ms)
    return status{errc::corrupt_record, "wrong chunk metadata: " + external_key(id, schema_)};
  stored_chunk out;
  out.chunk_bytes = std::string{dec->chunk_bytes};
  out.header = std::move(h);
  return out;
}

result<shared_stored_chunk> chunk_store::get_shared(std::string_view tenant, uint64_t fingerprint,
                                                    const chunk_ref& ref) {
  chunk_id id = id_of(std::string{tenant}, fingerprint, ref);
  auto bytes = fs_.read_file(path_of(id));
  if (!bytes)
    return bytes.error();
  auto object = std::make_shared<const std::string>(std::move(*bytes));
  if (uint32_t crc = util::crc32c(*object); crc != ref.checksum)
    return status{errc::corrupt_record, "invalid chunk checksum: " + external_key(id, schema_)};
  auto dec = decode_chunk_object(*object);
  if (!dec)
    return dec.error();
  auto& h = dec->header;
  if (h.tenant != tenant || h.fingerprint != fingerprint || h.from_ms != ref.from_ms ||
      h.through_ms != ref.through_ms)
    return status{errc::corrupt_record, "wrong chunk metadata: " + external_key(id, schema_)};
  shared_stored_chunk out;
  out.chunk_offset = static_cast<size_t>(dec->chunk_bytes.data() - object->data());
  out.chunk_size = dec->chunk_bytes.size();
  out.header = std::move(h);
  out.object = std::move(object);
  return out;
}

result<size_t> chunk_store::remove_temp_files() {
  size_t removed = 0;
  auto tenants = fs_.list_dir(root_);
  if (!tenants)
    return tenants.error().code() == errc::not_found ? result<size_t>{size_t{0}} : tenants.error();
  for (auto& t : *tenants) {
    if (t == "index")
      continue;
    const std::string tdir = join_path(root_, t);
    auto series = fs_.list_dir(tdir);
    if (!series)
      continue; // a file, or gone
    for (auto& fp : *series) {
      const std::string sdir = join_path(tdir, fp);
      auto names = fs_.list_dir(sdir);
      if (!names)
        continue;
      for (auto& n : *names)
        if (is_temp_name(n) && fs_.remove(join_path(sdir, n)).ok())
          ++removed;
    }
  }
  return removed;
}

result<bool> chunk_store::contains(std::string_view tenant, uint64_t fingerprint,
                                   const chunk_ref& ref) {
  return fs_.exists(path_of(id_of(std::string{tenant}, fingerprint, ref)));
}

} // namespace skald::storage
