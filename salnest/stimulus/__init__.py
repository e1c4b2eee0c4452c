"""What is fed in: random stimulus spike trains (:mod:`~salnest.stimulus.trains`) and given trains
injected into NEST through parrot neurons (:mod:`~salnest.stimulus.injection`)."""
