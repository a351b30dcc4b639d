"""What the shop's other systems are told: the event catalogue and the events written for them."""
