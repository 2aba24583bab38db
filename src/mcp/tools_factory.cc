#include "mcp/mcp.h"

namespace sf::mcp {
void AddFactoryTools(Registry&, const ServiceDeps&, std::function<void(const std::string&)>) {}
}  // namespace sf::mcp
