"""Background work of the robot-call integration: sending a batch to its vendor."""

from django_tasks import task

from kapok.visits.robot.batches import send_batch


@task()
def send_robot_batch(batch_id: int) -> str:
    """POST a waiting batch to its vendor (kapok.visits.robot.batches.send_batch). A vendor
    that does not take it leaves the batch FAILED with the reason, to be retried from the
    batches page; the task itself succeeds, so the reason is where the leader looks."""
    return send_batch(batch_id)
