// smolhogd: the server library with the plugins that ship with SmolHog.

import SmolHogServer
import Stages

await SmolHogServer.main(plugins: .builtIn)
