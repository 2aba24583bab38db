// Loading the seed set: {models,datasets,spaces}/<namespace>/<name>/ folders whose files become
// the repo's content, plus an optional files.json:
//   {"private": false, "gated": "manual", "approved": ["sim-user"], "downloads": 10, "likes": 2,
//    "sdk": "gradio", "files": [{"path": "model.safetensors", "size": 988097824}]}
// Files listed with a size only are synthetic: their bytes are a deterministic pattern, generated
// on demand. Their sha256 is the real hash of those bytes up to 16 MiB; above that it is a stable
// stand-in id (hashing gigabytes at start-up would be slow) — documented in sim.h's users.
#include "sim/hash.h"
#include "sim/state.h"

namespace sf::sim {
namespace {

constexpr std::uint64_t kSyntheticHashLimit = 16u << 20;

Status AddFolderFiles(const FileSystem& fs, const std::string& dir, const std::string& prefix,
                      FileMap& files, int depth) {
  if (depth > 8) return Status::Ok();
  SF_ASSIGN_OR_RETURN(std::vector<std::string> names, fs.ListDirectory(dir));
  for (const std::string& name : names) {
    std::string path = dir + "/" + name;
    std::string rel = prefix.empty() ? name : prefix + "/" + name;
    if (fs.IsDirectory(path)) {
      SF_RETURN_IF_ERROR(AddFolderFiles(fs, path, rel, files, depth + 1));
      continue;
    }
    if (prefix.empty() && name == "files.json") continue;
    SF_ASSIGN_OR_RETURN(std::string content, fs.ReadFile(path));
    bool lfs = content.size() > (10u << 20) || Hub::MatchesLfsPattern(files, rel);
    files[rel] = Hub::MakeFile(std::move(content), lfs);
  }
  return Status::Ok();
}

}  // namespace

std::optional<json> FrontMatter(std::string_view readme, std::string* error) {
  if (readme.rfind("\xEF\xBB\xBF", 0) == 0) readme.remove_prefix(3);
  if (readme.rfind("---", 0) != 0) return json::object();
  std::size_t first_nl = readme.find('\n');
  if (first_nl == std::string_view::npos) return json::object();
  std::size_t end = readme.find("\n---", first_nl);
  if (end == std::string_view::npos) return json::object();
  std::string_view yaml = readme.substr(first_nl + 1, end - first_nl);
  // ParseConfig expands ${VAR}; escape '$' so card text is taken literally.
  std::string escaped;
  for (char c : yaml) {
    if (c == '$')
      escaped += "$$";
    else
      escaped.push_back(c);
  }
  MapEnv no_env({});
  auto parsed = ParseConfig(escaped, "README.md front matter", no_env);
  if (!parsed.ok()) {
    if (error != nullptr) *error = parsed.status().message();
    return std::nullopt;
  }
  if (parsed->is_null()) return json::object();
  if (!parsed->is_object()) {
    if (error != nullptr) *error = "README.md front matter is not a mapping";
    return std::nullopt;
  }
  return *parsed;
}

Status Hub::LoadSeed(FileSystem& fs, const std::string& dir) {
  if (!fs.IsDirectory(dir)) return NotFound("seed directory " + dir + " does not exist");
  std::lock_guard<std::mutex> lock(mu_);
  for (const char* plural : {"models", "datasets", "spaces"}) {
    std::string type_dir = dir + "/" + plural;
    if (!fs.IsDirectory(type_dir)) continue;
    std::string type = SingularType(plural);
    SF_ASSIGN_OR_RETURN(std::vector<std::string> namespaces, fs.ListDirectory(type_dir));
    for (const std::string& ns : namespaces) {
      if (!fs.IsDirectory(type_dir + "/" + ns)) continue;
      if (!users_.count(ns)) {
        User org;
        org.name = ns;
        org.fullname = ns;
        org.type = "org";
        org.plan = "team";
        org.can_pay = true;
        org.mongo_id = NewMongoId();
        users_[ns] = org;
      }
      SF_ASSIGN_OR_RETURN(std::vector<std::string> names, fs.ListDirectory(type_dir + "/" + ns));
      for (const std::string& name : names) {
        std::string repo_dir = type_dir + "/" + ns + "/" + name;
        if (!fs.IsDirectory(repo_dir)) continue;
        std::string id = ns + "/" + name;
        json meta = json::object();
        if (fs.Exists(repo_dir + "/files.json")) {
          SF_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(repo_dir + "/files.json"));
          meta = json::parse(text, nullptr, false);
          if (!meta.is_object()) return ParseError(repo_dir + "/files.json: not a JSON object");
        }
        Repo& repo = CreateRepoLocked(type, id, meta.value("private", false),
                                      meta.value("sdk", std::string("gradio")), "sim-seed");
        repo.gated = meta.value("gated", std::string());
        repo.downloads = meta.value("downloads", 0);
        repo.likes = meta.value("likes", 0);
        if (meta.contains("approved") && meta["approved"].is_array()) {
          for (const auto& u : meta["approved"]) {
            if (u.is_string()) repo.gated_approved.insert(u.get<std::string>());
          }
        }
        auto files = std::make_shared<FileMap>(*repo.head().files);
        if (type == "space") files->erase("README.md");  // the seed brings its own
        SF_RETURN_IF_ERROR(AddFolderFiles(fs, repo_dir, "", *files, 0));
        if (meta.contains("files") && meta["files"].is_array()) {
          for (const auto& f : meta["files"]) {
            if (!f.is_object() || !f.contains("path") || !f["path"].is_string() ||
                !f.contains("size") || !f["size"].is_number_unsigned()) {
              return ParseError(repo_dir + "/files.json: files[] items need path and size");
            }
            auto entry = std::make_shared<FileEntry>();
            std::string path = f["path"];
            entry->synthetic = true;
            entry->size = f["size"].get<std::uint64_t>();
            entry->lfs = entry->size > (10u << 20) || MatchesLfsPattern(*files, path);
            entry->sha256 = entry->size <= kSyntheticHashLimit
                                ? Sha256Hex(SyntheticBytes(path, 0, entry->size))
                                : Sha256Hex("synthetic:" + id + ":" + path);
            std::string pointer =
                "version https://git-lfs.github.com/spec/v1\noid sha256:" + entry->sha256 +
                "\nsize " + std::to_string(entry->size) + "\n";
            entry->git_oid =
                entry->lfs ? GitBlobOid(pointer) : GitBlobOid(SyntheticBytes(path, 0, entry->size));
            (*files)[path] = std::move(entry);
          }
        }
        ApplyCommit(repo, "main", files, "Seed " + id, "", "sim-seed");
        if (repo.space) {  // seeded Spaces are already up
          auto past = options_.build_delay + options_.startup_delay + std::chrono::seconds(1);
          repo.space->build_started -= std::chrono::duration_cast<TimePoint::duration>(past);
          for (auto& l : repo.space->build_log) l.at -= past;
          for (auto& l : repo.space->run_log) l.at -= past;
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace sf::sim
