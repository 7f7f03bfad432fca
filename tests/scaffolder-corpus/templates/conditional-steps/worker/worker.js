// ${{ values.name }} consumes its queue.
module.exports = async job => job;
