import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { SessionsModule } from '../sessions/sessions.module.js';
import { Message, MessageSchema } from './message.schema.js';
import { MessagesController } from './messages.controller.js';
import { MessagesRepository } from './messages.repository.js';
import { MessagesService } from './messages.service.js';
import { Thread, ThreadSchema } from './thread.schema.js';
import { ThreadsController } from './threads.controller.js';
import { ThreadsRepository } from './threads.repository.js';
import { ThreadWrites } from './thread-writes.js';
import { ThreadsService } from './threads.service.js';

@Module({
  imports: [
    SessionsModule,
    MongooseModule.forFeature([
      { name: Thread.name, schema: ThreadSchema },
      { name: Message.name, schema: MessageSchema },
    ]),
  ],
  controllers: [ThreadsController, MessagesController],
  providers: [ThreadWrites, ThreadsRepository, ThreadsService, MessagesRepository, MessagesService],
  exports: [ThreadsService, MessagesService],
})
export class ThreadsModule {}
