// plan-smolhogd: smolhogd with the `plan_lookup` stage registered.

import PipelineKit
import PlanLookup
import SmolHogServer
import Stages

await SmolHogServer.main(plugins: try Plugins.builtIn.adding(stages: [PlanLookupStageKind.self]))
