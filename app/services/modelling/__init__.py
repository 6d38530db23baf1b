"""What process owners do: importing and deploying versions, their definitions, called processes, scenario tests, drafts made in the modeler, what-if on past cases."""
